"""Synthetic military objects (tents, armour, trucks, launchers) composited on real imagery, for
training and for scoring detectors where no open labelled imagery exists. Everything it makes is
labelled SYNTHETIC."""
