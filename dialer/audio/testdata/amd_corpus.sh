#!/usr/bin/env bash
# Makes the labelled AMD corpus: 8 kHz mono 16-bit WAV clips of what a
# dialer hears after an answer, spoken by espeak-ng and shaped with sox, and
# labels.csv (file,class,kind,text). class is what AMD should say: "human"
# (a person: a short greeting, then waiting for the caller) or "machine" (a
# long recorded greeting, a greeting then a beep, or nobody speaking at all,
# which the INITIALSILENCE rule calls a machine). kind says how the clip was
# made. Deterministic: the same clips every run.
#   usage: amd_corpus.sh OUTDIR
set -euo pipefail
out=${1:?usage: amd_corpus.sh OUTDIR}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
labels="$out/labels.csv"
echo "file,class,kind,text" >"$labels"
n=0

fmt=(-r 8000 -c 1 -b 16 -e signed-integer)
sox() { command sox -V1 "$@"; } # errors only: rate and dither clipping warnings are expected

# clip CLASS KIND VOICE BEFORE AFTER NOISE_VOL BEEP TEXT
#   BEFORE/AFTER: seconds of silence around the speech; NOISE_VOL: white
#   noise amplitude mixed over the whole clip (0 for none); BEEP: seconds of
#   1 kHz tone after the speech, before AFTER (0 for none).
clip() {
	local class=$1 kind=$2 voice=$3 before=$4 after=$5 noise=$6 beep=$7 text=$8
	n=$((n + 1))
	local name
	name=$(printf '%02d-%s.wav' "$n" "$kind")
	espeak-ng -v "$voice" -s 165 -w "$tmp/raw.wav" "$text"
	sox "$tmp/raw.wav" "${fmt[@]}" "$tmp/speech.wav" pad "$before" 0
	if [[ $beep != 0 ]]; then
		sox -n "${fmt[@]}" "$tmp/beep.wav" synth "$beep" sine 1000 vol 0.3 pad 0.3 0
		sox "$tmp/speech.wav" "$tmp/beep.wav" "$tmp/joined.wav"
		mv "$tmp/joined.wav" "$tmp/speech.wav"
	fi
	sox "$tmp/speech.wav" "$tmp/padded.wav" pad 0 "$after"
	if [[ $noise != 0 ]]; then
		local len
		len=$(soxi -D "$tmp/padded.wav")
		sox -n "${fmt[@]}" "$tmp/noise.wav" synth "$len" whitenoise vol "$noise"
		sox -m "$tmp/padded.wav" "$tmp/noise.wav" -b 16 "$out/$name"
	else
		cp "$tmp/padded.wav" "$out/$name"
	fi
	echo "$name,$class,$kind,\"$text\"" >>"$labels"
}

# nothing CLASS KIND SECONDS NOISE_VOL: no speech at all.
nothing() {
	local class=$1 kind=$2 secs=$3 noise=$4
	n=$((n + 1))
	local name
	name=$(printf '%02d-%s.wav' "$n" "$kind")
	if [[ $noise != 0 ]]; then
		sox -n "${fmt[@]}" "$out/$name" synth "$secs" whitenoise vol "$noise"
	else
		sox -n "${fmt[@]}" "$out/$name" trim 0 "$secs"
	fi
	echo "$name,$class,$kind,\"\"" >>"$labels"
}

# People: one to three words, after 0.2-1.5 s, then waiting (silence).
clip human human en-us 0.5 4 0 0 "Hello?"
clip human human en-gb 0.8 4 0 0 "Hello."
clip human human en-us+f3 0.3 4 0 0 "Yes?"
clip human human en-us+m3 1.2 4 0 0 "Hello, yes?"
clip human human en-gb+f2 0.6 4 0 0 "Hi."
clip human human en-us+f4 1.0 4 0 0 "Yeah, hello?"
clip human human en-us 0.4 4 0 0 "Speaking."
clip human human en-gb+m2 1.5 4 0 0 "Hello, who is it?"
clip human human ru 0.7 4 0 0 "Алло?"
clip human human ru+f3 0.5 4 0 0 "Да, слушаю."
clip human human de 0.9 4 0 0 "Hallo?"
clip human human es 0.6 4 0 0 "¿Diga?"
clip human human fr 0.8 4 0 0 "Allô, oui?"
clip human human it 0.5 4 0 0 "Pronto?"
clip human human pt 1.1 4 0 0 "Alô?"
clip human human en-us+f2 0.2 4 0 0 "Hello, this is Anna."
# People on a noisy line (white noise at about -45 and -40 dBFS).
clip human human-noise en-us 0.6 4 0.01 0 "Hello?"
clip human human-noise en-gb+f3 0.9 4 0.015 0 "Yes, hello?"
clip human human-noise ru 0.5 4 0.01 0 "Алло, да?"
clip human human-noise en-us+m2 1.3 4 0.015 0 "Hi, who's this?"

# Machines: recorded greetings of three seconds and more.
clip machine machine en-us 0.5 2 0 0 "Hi, you've reached John. I can't come to the phone right now. Please leave a message after the tone."
clip machine machine en-gb+f3 0.8 2 0 0 "Hello, you have reached the Smith residence. We are not available to take your call. Please leave your name and number and we will call you back."
clip machine machine en-us+f4 0.3 2 0 0 "The person you are calling is not available. At the tone, please record your message. When you have finished recording, you may hang up."
clip machine machine en-us+m3 1.0 2 0 0 "Thank you for calling Acme Plumbing. Our office hours are nine to five, Monday through Friday."
clip machine machine ru 0.6 2 0 0 "Здравствуйте. Вы позвонили Ивану. Я не могу ответить, оставьте сообщение после сигнала."
clip machine machine ru+f2 0.4 2 0 0 "Абонент не может ответить на ваш звонок. Оставьте сообщение после звукового сигнала."
clip machine machine de 0.7 2 0 0 "Guten Tag, Sie sind mit dem Anschluss von Familie Müller verbunden. Bitte hinterlassen Sie eine Nachricht."
clip machine machine es 0.5 2 0 0 "Hola, has llamado a María. No puedo contestar ahora, deja tu mensaje después de la señal."
clip machine machine fr 0.9 2 0 0 "Bonjour, vous êtes bien sur le répondeur de Pierre. Laissez un message après le bip."
clip machine machine en-gb 0.2 2 0 0 "Hi, it's Sarah, sorry I missed you, leave me a message and I'll get back to you as soon as I can."
clip machine machine en-us+f2 1.4 2 0 0 "You have reached the voicemail box of five five five, one two three four. Please leave a message."
clip machine machine it 0.6 2 0 0 "Ciao, sono Marco. In questo momento non posso rispondere, lascia un messaggio dopo il segnale acustico."
# Machines ending with a beep, as most do before recording.
clip machine machine-beep en-us 0.5 2 0 0.5 "Please leave a message for Dr. Adams after the tone. Thank you."
clip machine machine-beep en-gb+m3 0.4 2 0 1.0 "You've reached Tom and Lisa. We can't answer right now, so leave a message."
clip machine machine-beep ru 0.8 2 0 0.7 "Вы позвонили в компанию Ромашка. Оставьте сообщение после сигнала."
clip machine machine-beep en-us+f3 0.6 2 0 0.4 "Hello, this is Jenny's phone. I'm busy right now, leave a message."
# Machines on a noisy line.
clip machine machine-noise en-us 0.5 2 0.01 0 "Hi, this is Bob. I'm away from my phone. Please leave a message and I will call you back."
clip machine machine-noise en-gb+f2 0.7 2 0.015 0.5 "Thank you for calling. Nobody is available to take your call. Please leave a message after the beep."
# Nobody speaks: dead air, a silent line with noise.
nothing machine silence 6 0
nothing machine silence 6 0
nothing machine noise 6 0.01
nothing machine noise 6 0.02
