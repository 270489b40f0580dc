"""SVM adapter on LiteSVM (DESIGN §1); its modules arrive with the SVM issue."""
