// Replaced by the Redis cluster adapter (issue 7).
