# Outputs of exercise 6 that chapter 6 includes.
# dhat_run: run --strategy system --records 20000
# dhat_vs_tracker: ex6/src/batch.rs -- run --strategy system --records 20000 --json
# Deterministic: what each strategy's process allocated, and the report hash.
output counts.md -- counts --markdown
# Timed: rendered from the labelled run kept in book/src/data/.
# reference: ex6-compare.json -- compare --callgrind --json
output compare.md -- compare --from book/src/data/ex6-compare.json --markdown
output compare.svg -- compare --from book/src/data/ex6-compare.json --svg
# The learner tasks as the starter copy (ci/starter) shows them.
starter starter.md
