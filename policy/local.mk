# policy: see policy/*.c
