"""The findings of ``gramfix eval``: one registered module per concern, each turning the
audit of a prediction file into findings of its own GE codes (`registry`)."""
