# tests of the filter_policy area
