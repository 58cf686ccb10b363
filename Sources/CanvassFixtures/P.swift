public enum _CanvassFixtures {}
