"""Discord: a source (watched channels → mentions), a desk (cards with persistent buttons),
auto-moderation, a mod log, appeals and the ``discord`` publisher — see ``bot.discord.desk``.

Only ``bot.discord.settings`` is imported eagerly (by ``bot.settings``); discord.py is loaded
when the desk is built.
"""
