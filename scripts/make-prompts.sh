#!/usr/bin/env bash
# Makes the spoken parts of alo's recorded reminders and notices, English
# and Russian, into dialer/prompts/<lang>/ as 8 kHz mono 16-bit WAV (what
# dialer/audio loads). Run once; the files are committed and embedded.
# Needs espeak-ng and sox (made with espeak-ng 1.51 and SoX 14.4.2; the
# settings are fixed and sox runs repeatable (-R) without dither (-D), so
# the same tools give the same bytes). Replace with a real voice for
# production: keep the names (dialer/speech composes sentences from them)
# and the format.
#
# Phrasing (dialer/speech):
#   en  "This is a reminder of your appointment on" Tuesday March twenty
#       third "at" ten thirty P M — weekday, month, ordinal day; the hour on
#       the 12-hour clock, "o'clock" on the hour, "oh" before minutes 1–9.
#   ru  "Напоминаем о вашей записи," двадцать третьего марта "в" десять
#       часов тридцать минут — the day as an ordinal in the genitive (the
#       usual way to say a date), the month in the genitive; after "в" the
#       hours and minutes in the accusative, with the noun in its plural
#       form for the number (час/часа/часов, минуту/минуты/минут) and the
#       feminine "одну/две" for minutes.
#
#   scripts/make-prompts.sh [OUTDIR]    (default: dialer/prompts)
set -euo pipefail
out=${1:-"$(dirname "$0")/../dialer/prompts"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { # say LANG NAME TEXT
	local lang=$1 name=$2 text=$3 rate=175
	mkdir -p "$out/$lang"
	espeak-ng -v "$lang" -s "$rate" -a 100 -w "$tmp/x.wav" "$text"
	# Trim leading and trailing silence so parts join without gaps.
	sox -R -D -G "$tmp/x.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/$lang/$name.wav" \
		silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
}

# --- English ---
en_num=(zero one two three four five six seven eight nine ten eleven twelve thirteen
	fourteen fifteen sixteen seventeen eighteen nineteen)
for i in "${!en_num[@]}"; do say en "n$i" "${en_num[$i]}"; done
for t in 20:twenty 30:thirty 40:forty 50:fifty; do say en "n${t%%:*}" "${t#*:}"; done
en_ord=(first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
	thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth
	"twenty first" "twenty second" "twenty third" "twenty fourth" "twenty fifth" "twenty sixth"
	"twenty seventh" "twenty eighth" "twenty ninth" thirtieth "thirty first")
for i in "${!en_ord[@]}"; do say en "$(printf 'd%02d' $((i + 1)))" "${en_ord[$i]}"; done
en_mon=(January February March April May June July August September October November December)
for i in "${!en_mon[@]}"; do say en "$(printf 'm%02d' $((i + 1)))" "${en_mon[$i]}"; done
en_day=(Sunday Monday Tuesday Wednesday Thursday Friday Saturday)
for i in "${!en_day[@]}"; do say en "w$i" "${en_day[$i]}"; done
say en oh "oh"
say en oclock "o'clock"
say en am "A M"
say en pm "P M"
say en at "at"
say en reminder_intro "This is a reminder of your appointment on"
say en reminder_keys "Press 1 to confirm, press 2 to speak to someone."
say en confirmed "Thank you, your appointment is confirmed."
say en hold "Please hold."
say en callback_later "No one is free right now. We will call you back."
say en notice "This is an important notice. Details have been sent to you."
say en notice_keys "Press 2 to speak to someone."
say en recording_notice "This call is recorded for quality and training."

# --- Russian ---
ru_num=(ноль один два три четыре пять шесть семь восемь девять десять одиннадцать
	двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать)
for i in "${!ru_num[@]}"; do say ru "n$i" "${ru_num[$i]}"; done
for t in 20:двадцать 30:тридцать 40:сорок 50:пятьдесят; do say ru "n${t%%:*}" "${t#*:}"; done
say ru n1f "одну"
say ru n2f "две"
ru_ord=(первого второго третьего четвёртого пятого шестого седьмого восьмого девятого
	десятого одиннадцатого двенадцатого тринадцатого четырнадцатого пятнадцатого
	шестнадцатого семнадцатого восемнадцатого девятнадцатого двадцатого
	"двадцать первого" "двадцать второго" "двадцать третьего" "двадцать четвёртого"
	"двадцать пятого" "двадцать шестого" "двадцать седьмого" "двадцать восьмого"
	"двадцать девятого" тридцатого "тридцать первого")
for i in "${!ru_ord[@]}"; do say ru "$(printf 'd%02d' $((i + 1)))" "${ru_ord[$i]}"; done
ru_mon=(января февраля марта апреля мая июня июля августа сентября октября ноября декабря)
for i in "${!ru_mon[@]}"; do say ru "$(printf 'm%02d' $((i + 1)))" "${ru_mon[$i]}"; done
say ru at "в"
say ru hour_one "час"
say ru hour_few "часа"
say ru hour_many "часов"
say ru minute_one "минуту"
say ru minute_few "минуты"
say ru minute_many "минут"
say ru reminder_intro "Напоминаем о вашей записи,"
say ru reminder_keys "Для подтверждения нажмите 1, для связи с сотрудником нажмите 2."
say ru confirmed "Спасибо, ваша запись подтверждена."
say ru hold "Пожалуйста, оставайтесь на линии."
say ru callback_later "Все сотрудники заняты. Мы вам перезвоним."
say ru notice "Важное сообщение. Подробности отправлены вам."
say ru notice_keys "Для связи с сотрудником нажмите 2."
say ru recording_notice "Разговор записывается для контроля качества обслуживания."
echo "prompts written to $out"
