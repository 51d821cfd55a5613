"""Example data shipped with mentionbot: the Skylark Air stream used by ``mentionbot demo``."""
