# bench: see bench/*.c
