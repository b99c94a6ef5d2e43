# tests of the transport area
