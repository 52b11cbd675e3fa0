"""What leaves the house for members: the notifier and the SMS gateway."""
