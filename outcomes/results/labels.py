"""The words and tag colours of RAG ratings and directions of travel, for every page and pack."""

RAG_LABELS = {"green": "Green", "amber": "Amber", "red": "Red", "not_rated": "Not rated"}
RAG_TAG_CLASSES = {
    "green": "govuk-tag--green",
    "amber": "govuk-tag--yellow",
    "red": "govuk-tag--red",
    "not_rated": "govuk-tag--grey",
}
NOT_RATED_LABELS = {"low_numbers": "low numbers", "no_data": "no data"}
DIRECTION_LABELS = {"improved": "Improved", "stable": "Stable", "worsened": "Worsened", "none": "—"}
