"""The browser console (`swift web-ui`, `swift app`) over the job core (jobs/)."""
