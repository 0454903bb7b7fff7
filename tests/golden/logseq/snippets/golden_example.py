# A snippet file for the golden cases only.
# --8<-- [start:moments]
def moments(data):
    mean = data.mean(axis=0)
    return mean, ((data - mean) ** 2).mean(axis=0)
# --8<-- [end:moments]
