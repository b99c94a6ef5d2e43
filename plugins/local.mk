# plugins: see plugins/*.c
