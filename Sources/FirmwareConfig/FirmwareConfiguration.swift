import Kconfig
