"""Voice search: audio capture, speech recognition and the spoken-query pipeline.

Nothing heavy is imported here: sounddevice, faster-whisper and pocketsphinx are
imported by the functions that need them.
"""
