api.callbackSet(new ICallBack() { @Override public void onLoginSuccess(int uid, int fd) {} });
String t = """
  api.logout();
  """;
