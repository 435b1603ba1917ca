session.messageInstantSend("bob", "hi");
