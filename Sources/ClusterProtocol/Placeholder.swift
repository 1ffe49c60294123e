// Replaced by the cluster wire format (issue 7).
