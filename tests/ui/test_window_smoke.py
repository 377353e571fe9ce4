def test_main_window_opens(qtbot):
    from app.ui.main_window import MainWindow

    window = MainWindow(warm_up=False, auto_load=False)
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "Strongroom"
    assert window.isVisible()
