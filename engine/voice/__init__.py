"""Voice search: audio capture, speech recognition and the spoken-query pipeline."""
