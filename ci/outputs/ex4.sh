# Deterministic outputs of exercise 4 that chapter 4 includes.
# dhat_run: tree
# dhat_vs_tracker: ex4/src/tree.rs -- tree --json
output vecs.md -- vecs --markdown
output strings.md -- strings --markdown
output tree.md -- tree --markdown
output maps.md -- maps --markdown
# reference: ex4-bench.json -- bench --runs 31 --callgrind --json
# Rendered from the labelled timing run kept in book/src/data/.
output bench.md -- bench --from book/src/data/ex4-bench.json --markdown
# The learner tasks as the starter copy (ci/starter) shows them.
starter starter.md
