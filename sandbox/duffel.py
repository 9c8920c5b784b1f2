def install(app):
    pass
