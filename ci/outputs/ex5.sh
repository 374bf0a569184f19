# Outputs of exercise 5 that chapter 5 includes.
# dhat_run: phases --records 20000
# dhat_vs_tracker: ex5/src/lib.rs -- phases --records 20000 --json
# Deterministic: the report, allocation counts and live heap per phase.
output report.txt -- run --records 2000 --quiet
output phases.md -- phases --markdown
output batch.md -- batch --markdown
# Machine-dependent (RSS): rendered from the labelled run kept in book/src/data/.
# reference: ex5-memory.json -- memory --json
output memory.md -- memory --from book/src/data/ex5-memory.json --markdown
output memory.svg -- chart --from book/src/data/ex5-memory.json
# The learner tasks as the starter copy (ci/starter) shows them.
starter starter.md
