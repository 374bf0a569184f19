# Outputs of exercise 2 that chapter 2 includes.
# dhat_run: workload --units 500
# dhat_vs_tracker: ex2/src/workload.rs -- workload --units 500 --json
# Deterministic: allocation counts, which allocator serves each process, size classes.
output workload.md -- workload --markdown
output counts.md -- counts --markdown
output facts.md -- facts --markdown
# Timed: rendered from the labelled runs kept in book/src/data/.
# reference: ex2-bench.json -- bench --runs 9 --json
output bench.md -- bench --from book/src/data/ex2-bench.json --markdown
# reference: ex2-frag.json -- frag --json
output frag.md -- frag --from book/src/data/ex2-frag.json --markdown
output frag.svg -- frag --from book/src/data/ex2-frag.json --svg
# reference: ex2-conf.json -- conf --json
output conf.md -- conf --from book/src/data/ex2-conf.json --markdown
# The learner tasks as the starter copy (ci/starter) shows them.
starter starter.md
