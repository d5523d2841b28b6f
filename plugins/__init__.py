"""Built-in Zhurnal plugins. Each sub-package is one plugin, enabled by configuration."""

if __name__ != "zhurnal.plugins":  # a checkout on sys.path imported by the old name: hand out the one real package
    import zhurnal._layout
    zhurnal._layout.adopt(__name__)
