"""What the VK load assets are made of, not assets themselves: the step every daily load shares
(`steps`), each community's outcome and resume record (`outcomes`), VK items as rows (`rows`)."""
