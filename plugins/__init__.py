"""Built-in Zhurnal plugins. Each sub-package is one plugin, enabled by configuration."""
