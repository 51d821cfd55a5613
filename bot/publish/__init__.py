"""Publishers: carry out approved replies and removals on the mention's source."""
