#!/usr/bin/env bash
# Makes the spoken parts of alo's recorded reminders and notices, English
# and Russian, into dialer/prompts/<lang>/ as 8 kHz mono 16-bit WAV (what
# dialer/audio loads). Run once; the files are committed and embedded.
# Needs espeak-ng and sox. Replace with a real voice for production: keep
# the names (dialer/speech composes sentences from them) and the format.
#
#   scripts/make-prompts.sh [OUTDIR]    (default: dialer/prompts)
set -euo pipefail
out=${1:-"$(dirname "$0")/../dialer/prompts"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { # say LANG NAME TEXT
	local lang=$1 name=$2 text=$3
	mkdir -p "$out/$lang"
	espeak-ng -v "$lang" -s 150 -a 120 -w "$tmp/x.wav" "$text"
	# Trim leading and trailing silence so parts join without gaps.
	sox "$tmp/x.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/$lang/$name.wav" \
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
for i in "${!en_ord[@]}"; do say en "$(printf 'd%02d' $((i + 1)))" "the ${en_ord[$i]}"; done
en_mon=(January February March April May June July August September October November December)
for i in "${!en_mon[@]}"; do say en "$(printf 'm%02d' $((i + 1)))" "${en_mon[$i]}"; done
en_day=(Sunday Monday Tuesday Wednesday Thursday Friday Saturday)
for i in "${!en_day[@]}"; do say en "w$i" "${en_day[$i]}"; done
say en oh "oh"
say en oclock "o'clock"
say en am "A M"
say en pm "P M"
say en at "at"
say en reminder_intro "Hello. This is a reminder of your appointment on"
say en reminder_keys "Press 1 to confirm. Press 2 to speak to someone."
say en confirmed "Thank you, your appointment is confirmed. Goodbye."
say en hold "Please hold while we connect you."
say en callback_later "Sorry, no one is free right now. We will call you back. Goodbye."
say en notice "This is an important notice about your booking. Details have been sent to you."
say en notice_keys "Press 2 to speak to someone."
say en recording_notice "This call is recorded for quality and training."

# --- Russian ---
ru_num=(ноль один два три четыре пять шесть семь восемь девять десять одиннадцать
	двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать)
for i in "${!ru_num[@]}"; do say ru "n$i" "${ru_num[$i]}"; done
for t in 20:двадцать 30:тридцать 40:сорок 50:пятьдесят; do say ru "n${t%%:*}" "${t#*:}"; done
say ru n1f "одна"
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
say ru minute_one "минута"
say ru minute_few "минуты"
say ru minute_many "минут"
say ru reminder_intro "Здравствуйте. Напоминаем о вашей записи на"
say ru reminder_keys "Нажмите 1, чтобы подтвердить. Нажмите 2, чтобы поговорить с сотрудником."
say ru confirmed "Спасибо, ваша запись подтверждена. До свидания."
say ru hold "Пожалуйста, оставайтесь на линии, соединяем с сотрудником."
say ru callback_later "К сожалению, сейчас все сотрудники заняты. Мы вам перезвоним. До свидания."
say ru notice "Важное сообщение о вашем бронировании. Подробности отправлены вам."
say ru notice_keys "Нажмите 2, чтобы поговорить с сотрудником."
say ru recording_notice "Разговор записывается для контроля качества обслуживания."
echo "prompts written to $out"
