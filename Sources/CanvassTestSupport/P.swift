public enum _CanvassTestSupport {}
