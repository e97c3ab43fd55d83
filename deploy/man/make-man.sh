#!/usr/bin/env bash
# make-man.sh DRIFTD OUT — driftd(1), generated from the program's own --help texts (so the man
# page never disagrees with them), gzipped for installation (OUT, e.g. driftd.1.gz).
set -euo pipefail
driftd=$1
out=$2
version=$("$driftd" --version | head -n 1 | awk '{print $2}')
# roff: backslashes as \e; a line starting with . or ' would be a request: \& before it.
esc() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }
{
    printf '.TH DRIFTD 1 "" "driftd %s" "User Commands"\n' "$version"
    printf '.SH NAME\ndriftd \\- streaming drift detection for ML feature and prediction streams\n'
    printf '.SH SYNOPSIS\n.B driftd\n.I COMMAND\n.RI [ OPTIONS ]\n'
    printf '.SH DESCRIPTION\n.nf\n'
    "$driftd" --help | esc
    printf '.fi\n.SH COMMANDS\n'
    for cmd in $("$driftd" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}'); do
        printf '.SS %s\n.nf\n' "$cmd"
        "$driftd" "$cmd" --help | esc
        printf '.fi\n'
    done
    printf '.SH EXIT STATUS\n0 success, 1 drift found (where a command judges drift), 2 error.\n'
    printf '.SH FILES\n.TP\n/etc/driftd/NAME.yaml\nthe configuration of the systemd unit driftd@NAME\n'
    printf '.SH SEE ALSO\nThe documentation in /usr/share/doc/driftd (run.md, config.md, alerting.md, deploy.md).\n'
} | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
