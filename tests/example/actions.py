from django.db import models


class Action(models.TextChoices):
    ENTRY_CREATE = "example_entry.create", "Entry drawn up"
    ENTRY_UPDATE = "example_entry.update", "Entry changed"
    ENTRY_REGISTER = "example_entry.register", "Entry registered"
    ENTRY_CORRECT = "example_entry.correct", "Entry corrected"
    TASK_CREATE = "example_task.create", "Task created"
    TASK_STATUS = "example_task.status", "Task moved on"
