public enum _CanvassProtocol {}
