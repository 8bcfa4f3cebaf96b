"""The monthly data standard (MDS v1.1): reading and validating a provider's monthly return file.

Pure Python, no database. `validate_return` turns a CSV or XLSX file into typed episode and survey
rows plus plain-English errors and warnings; the upload pipeline and `import_return` build on it.
"""

from outcomes.mds.columns import EPISODE_COLUMNS, MAX_EPISODE_ROWS, MAX_FILE_BYTES, SURVEY_COLUMNS
from outcomes.mds.episodes import EpisodeRow
from outcomes.mds.previous import PreviousEpisode, PreviousMonth
from outcomes.mds.problems import Problem
from outcomes.mds.survey import SurveyRow
from outcomes.mds.validation import ValidatedReturn, collector_paused, validate_nil_return, validate_return

__all__ = [
    "EPISODE_COLUMNS",
    "SURVEY_COLUMNS",
    "MAX_EPISODE_ROWS",
    "MAX_FILE_BYTES",
    "EpisodeRow",
    "PreviousEpisode",
    "PreviousMonth",
    "Problem",
    "SurveyRow",
    "ValidatedReturn",
    "collector_paused",
    "validate_nil_return",
    "validate_return",
]
