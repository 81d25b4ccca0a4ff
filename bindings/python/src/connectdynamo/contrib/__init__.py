"""Web framework integrations: contrib.flask and contrib.django. Each
imports its framework only when it is itself imported."""
