"""Members' data rights: a copy of everything held about a member, the consent log, and erasure."""
