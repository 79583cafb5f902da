"""The only code that opens rasters: scene info, windowed reads at a target GSD, tile grids."""
