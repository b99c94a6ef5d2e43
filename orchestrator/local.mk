# orchestrator: see orchestrator/*.c
