#!/usr/bin/env bash
# valgrind-clrelu.sh: run the clrelu binary named by $CLRELU_REAL_BIN under valgrind memcheck
# (used as CLRELU_BIN by scripts/reliability.sh); each process writes $VALGRIND_LOG_DIR/vg.<pid>.log.
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no \
  --log-file="${VALGRIND_LOG_DIR:-/tmp}/vg.%p.log" "$CLRELU_REAL_BIN" "$@"
