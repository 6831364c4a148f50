"""Chat-ops front door (`swift bot --platform discord|slack|console`) over the job core (jobs/)."""
