"""The life of a submission: states and the one transition-and-permission table, standard
snapshots, answers, reviews and decisions, comments, evidence files and activity data, and the
read helpers pages use (results, questionnaire groups, the review queue). Imports accounts,
storage, library (configured values) and benchmark.store (its read model), never certificates:
approval tells the certificates room through a hook it registers."""
