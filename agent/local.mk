# agent: see agent/*.c
