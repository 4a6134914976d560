"""newsrag Gradio app: research chat with clickable citations, sessions, corpus management."""
