# Deterministic outputs of exercise 3 that chapter 3 includes.
# dhat_run: chunks
# dhat_vs_tracker: ex3/src/chunks.rs -- chunks --json
output layout.md -- layout --markdown
output chunks.md -- chunks --markdown
output reset.md -- reset --markdown
output drops.md -- drops --markdown
output limit.md -- limit --markdown
# reference: ex3-versus.json -- versus --runs 31 --callgrind --json
# Rendered from the labelled timing run kept in book/src/data/.
output versus.md -- versus --from book/src/data/ex3-versus.json --markdown
# The learner tasks as the starter copy (ci/starter) shows them.
starter starter.md
