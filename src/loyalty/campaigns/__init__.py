"""The Campaign Center's programme: rules as stored, codes and their guessing, events, backtests."""
