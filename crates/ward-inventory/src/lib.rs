//! Discovery of what AI agents are installed on a machine and what they are configured with.
