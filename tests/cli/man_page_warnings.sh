#!/bin/sh
# man_page_warnings.sh MAN PAGE: fails, showing them, if man(1) warns while formatting PAGE
# (the check lintian runs on an installed man page).
set -u
man=$1 page=$2
warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 "$man" --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
status=$?
if [ $status -ne 0 ] || [ -n "$warnings" ]; then
    printf '%s: man exited %d with:\n%s\n' "$page" "$status" "$warnings" >&2
    exit 1
fi
echo "$page: formatted without warnings"
