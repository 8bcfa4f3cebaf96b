"""The Quality Assurance Framework: frameworks, assessments, actions, CQC ratings, QAF status."""
