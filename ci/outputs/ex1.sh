# Deterministic outputs of exercise 1 that chapter 1 includes.
# dhat_run: workload
# dhat_vs_tracker: ex1/src/workload.rs -- workload --json
output growth.md -- growth --markdown
output growth.svg -- growth --svg
output strings.md -- strings --markdown
output workload.md -- workload --markdown
# reference: ex1-overhead.json -- overhead --runs 21 --callgrind --json
# Rendered from the labelled timing run kept in book/src/data/.
output overhead.md -- overhead --from book/src/data/ex1-overhead.json --markdown
# The learner tasks as the starter copy (ci/starter) shows them.
starter starter.md
