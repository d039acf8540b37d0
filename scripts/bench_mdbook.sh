#!/usr/bin/env bash
# The 200-chapter prose book (benches/prose_book) built by gradbook and by mdBook, interleaved,
# on this machine: wall time per build (median, min, max over ROUNDS rounds), output size and
# search index size. Needs `mdbook` on PATH (`cargo install --locked mdbook --version 0.5.4`);
# without it, says so and stops.
#
#   scripts/bench_mdbook.sh              # 15 rounds, the dev binary (what `cargo run` builds)
#   ROUNDS=30 GRADBOOK=target/release/gradbook scripts/bench_mdbook.sh
#
# Each round builds, in turn: mdBook (it has no cache), gradbook with `--no-cache` (cold), and
# gradbook after a one-line edit of one chapter with the cache of the builds before (warm).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v mdbook >/dev/null; then
  echo "mdbook is not installed: cargo install --locked mdbook --version 0.5.4" >&2
  exit 2
fi
rounds=${ROUNDS:-15}
gradbook=${GRADBOOK:-target/debug/gradbook}
[ -n "${GRADBOOK:-}" ] || cargo build -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
GRADBOOK_WRITE_BOOK="$work" cargo bench -q --bench site_build >/dev/null
chapter="$work/gradbook/content/part-07/section-03.md"
"$gradbook" build --root "$work/gradbook" --dest "$work/warm" >/dev/null 2>&1

now() { date +%s%N; }
declare -a t_mdbook t_cold t_warm
for round in $(seq "$rounds"); do
  rm -rf "$work/md-out" "$work/cold"
  start=$(now); mdbook build "$work/mdbook" -d "$work/md-out" >/dev/null 2>&1; end=$(now)
  t_mdbook+=($(( (end - start) / 1000000 )))
  start=$(now); "$gradbook" build --no-cache --root "$work/gradbook" --dest "$work/cold" >/dev/null 2>&1; end=$(now)
  t_cold+=($(( (end - start) / 1000000 )))
  printf '\nround %s\n' "$round" >> "$chapter"
  start=$(now); "$gradbook" build --root "$work/gradbook" --dest "$work/warm" >/dev/null 2>&1; end=$(now)
  t_warm+=($(( (end - start) / 1000000 )))
done

stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "median %5d ms  (min %d, max %d)", a[int((NR+1)/2)], a[1], a[NR]}'; }
size() { du -sb "$1" | cut -f1 | awk '{printf "%.1f MB", $1/1e6}'; }
echo "200-chapter prose book, $rounds rounds, interleaved, on $(nproc) cores"
echo "  mdbook $(mdbook --version | cut -d' ' -f2)      $(stats "${t_mdbook[@]}")  output $(size "$work/md-out")"
echo "  gradbook cold  $(stats "${t_cold[@]}")  output $(size "$work/cold")"
echo "  gradbook warm  $(stats "${t_warm[@]}")  (one chapter edited, with the cache)"
m=$(printf '%s\n' "${t_mdbook[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
c=$(printf '%s\n' "${t_cold[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
w=$(printf '%s\n' "${t_warm[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "  ratio to mdBook: cold $(awk "BEGIN{printf \"%.2f\", $c/$m}")x, warm $(awk "BEGIN{printf \"%.2f\", $w/$m}")x"
# mdBook names its index with a content hash: searchindex-<hash>.js.
md_index=$(ls "$work/md-out"/searchindex*.js | head -1)
echo "  search index: gradbook $(size "$work/cold/search-index.js"), mdBook $(size "$md_index")"
echo "  a chapter page: gradbook $(wc -c < "$work/cold/part-07/section-03.html") B, mdBook $(wc -c < "$work/md-out/part-07/section-03.html") B"
